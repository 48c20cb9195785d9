/**
 * Links to the hosted survey page for email, SMS and in-person QR codes. The query parameters carry the delivery
 * context (channel, touchpoint, location code, language, source) so the hosted page records it with the response.
 */
import QRCode from 'qrcode'
import type { Channel } from '../a11/channels.ts'

/** Query parameter names the hosted page reads; hidden questions use their own keys. */
export const LINK_PARAMS = { channel: 'channel', touchpoint: 'touchpoint', locationCode: 'location', language: 'lang', source: 'src' } as const

export interface LinkParams {
  readonly channel?: Channel | undefined
  readonly touchpoint?: string | undefined
  readonly locationCode?: string | undefined
  readonly language?: string | undefined
  readonly source?: 'link' | 'qr' | undefined
}

/** The hosted page URL for a survey, e.g. `https://cx.example.gov/s/<id>?src=link&channel=email`. */
export function surveyLink(publicUrl: string, surveyId: string, params: LinkParams): string {
  const url = new URL(`s/${encodeURIComponent(surveyId)}`, publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`)
  const entries: [string, string | undefined][] = [
    [LINK_PARAMS.source, params.source], [LINK_PARAMS.channel, params.channel], [LINK_PARAMS.touchpoint, params.touchpoint],
    [LINK_PARAMS.locationCode, params.locationCode], [LINK_PARAMS.language, params.language],
  ]
  for (const [name, value] of entries) if (value) url.searchParams.set(name, value)
  return url.toString()
}

// Medium error correction survives a scuffed printed sign without making the code dense.
const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const

export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { ...QR_OPTIONS, type: 'svg' })
}

export function qrPng(url: string): Promise<Buffer> {
  return QRCode.toBuffer(url, { ...QR_OPTIONS, type: 'png', width: 600 })
}
