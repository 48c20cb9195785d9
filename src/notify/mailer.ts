/**
 * Outgoing email through nodemailer. With SMTP_URL unset, messages are written as .eml files to
 * `<data>/outbox`, so a fresh install can reset passwords without a mail server.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

export interface EmailMessage {
  readonly to: string
  readonly subject: string
  readonly text: string
}

export interface Mailer {
  send(message: EmailMessage): Promise<void>
  readonly outboxDir: string | null
}

export function createMailer(options: { smtpUrl: string | null; from: string; outboxDir: string }): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl)
    return { outboxDir: null, send: async (m) => { await transport.sendMail({ from: options.from, ...m }) } }
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  let sequence = 0
  return {
    outboxDir: options.outboxDir,
    async send(message) {
      const info = await transport.sendMail({ from: options.from, ...message })
      await mkdir(options.outboxDir, { recursive: true })
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++sequence}.eml`
      await writeFile(join(options.outboxDir, name), info.message as Buffer)
    },
  }
}
