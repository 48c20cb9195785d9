/**
 * Service delivery channels (A-11 §280.4; Touchpoints' `Service.channels` list). The list is data: reports group
 * channels as digital or non-digital for the M-23-22 digitization checks.
 */
export const NON_DIGITAL_CHANNELS = [
  'phone', 'automated_phone', 'in_person', 'paper', 'postal_mail', 'fax', 'self_service_kiosk', 'other_non_digital',
] as const
export const DIGITAL_CHANNELS = [
  'website', 'computer', 'mobile', 'mobile_app', 'email', 'sms_text_messages', 'social_media', 'live_chat', 'chatbot',
  'other_digital',
] as const
export const CHANNELS = [...DIGITAL_CHANNELS, ...NON_DIGITAL_CHANNELS] as const
export type Channel = (typeof CHANNELS)[number]

const digital = new Set<string>(DIGITAL_CHANNELS)

export function isDigitalChannel(channel: Channel): boolean {
  return digital.has(channel)
}

export const CHANNEL_LABELS: Readonly<Record<Channel, string>> = {
  website: 'Website', computer: 'Computer application', mobile: 'Mobile web', mobile_app: 'Mobile app', email: 'Email',
  sms_text_messages: 'SMS / text messages', social_media: 'Social media', live_chat: 'Live chat', chatbot: 'Chatbot',
  other_digital: 'Other digital', phone: 'Phone', automated_phone: 'Automated phone (IVR)', in_person: 'In person',
  paper: 'Paper', postal_mail: 'Postal mail', fax: 'Fax', self_service_kiosk: 'Self-service kiosk',
  other_non_digital: 'Other non-digital',
}
