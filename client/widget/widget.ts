/**
 * One embedded survey: its shadow root, the survey document, the panel (title, form, PRA footer), the modal dialog
 * for the modal and custom-button modes, the draft in localStorage, offers, submission and the host-page events
 * (cx280:loaded, cx280:opened, cx280:submitted {responseId}, cx280:error {message}).
 */
import { fill, footerDate } from '../../src/a11/pra.ts'
import { chooseLanguage, respondentText, type RespondentTextKey } from '../../src/a11/respondent-text.ts'
import { pick } from '../../src/a11/survey-model.ts'
import { h, on } from './dom.ts'
import { buildForm, type SurveyForm } from './form.ts'
import { adoptStyles } from './styles.ts'
import type { SurveyDocument, Values } from './types.ts'

interface Draft { a?: Values; k?: string }
interface Reply { status: number; body: { id?: string; message?: string; fields?: Record<string, string> } | null }

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, { credentials: 'omit', mode: 'cors', ...init })
  return { status: response.status, body: response.status === 204 ? null : await response.json().catch(() => null) }
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}

function storage(name: string) {
  return {
    load(): Draft {
      try { return JSON.parse(localStorage.getItem(name) ?? '{}') as Draft } catch { return {} }
    },
    save(draft: Draft): void {
      try { localStorage.setItem(name, JSON.stringify(draft)) } catch { /* storage blocked: the draft lives for this page only */ }
    },
    clear(): void {
      try { localStorage.removeItem(name) } catch { /* nothing to clear */ }
    },
  }
}

export async function mount(host: HTMLElement, base: string): Promise<void> {
  const attr = (name: string): string => host.getAttribute(`data-cx280-${name}`) ?? ''
  const emit = (type: string, detail?: object): void => { host.dispatchEvent(new CustomEvent(`cx280:${type}`, { bubbles: true, composed: true, detail })) }
  const fail = (message: string): void => emit('error', { message })
  const id = attr('survey')
  const mode = attr('mode') || 'modal'
  const root = host.attachShadow({ mode: 'open' })
  adoptStyles(root)
  const surveyUrl = `${base}/api/v1/surveys/${encodeURIComponent(id)}`
  const context: Record<string, string> = {}
  for (const name of ['touchpoint', 'channel']) if (attr(name)) context[name] = attr(name).slice(0, 100)

  let doc: SurveyDocument
  try {
    const reply = await call(`${base}/api/v1/public/surveys/${encodeURIComponent(id)}`)
    if (reply.status !== 200 || !reply.body) throw new Error(reply.body?.message ?? `The survey could not be loaded (HTTP ${reply.status}).`)
    doc = reply.body as unknown as SurveyDocument
  } catch (error) {
    fail((error as Error).message)
    return
  }
  const { definition } = doc
  const fallback = definition.languages[0] ?? 'en'
  let language = chooseLanguage(definition, attr('lang') || document.documentElement.lang || undefined, navigator.languages?.join(','))
  const drafts = storage(`cx280:draft:${id}`)
  const draft = drafts.load()
  const hidden: Record<string, string> = {}
  for (const question of definition.questions) if (question.type === 'hidden' && attr(`hidden-${question.key}`)) hidden[question.key] = attr(`hidden-${question.key}`)
  let form: SurveyForm | null = null
  let done = false
  let busy = false
  let offered = false
  const dialog = mode === 'inline' ? null : h('dialog', { 'aria-labelledby': 'title', 'aria-modal': 'true' })
  let opener: HTMLElement | null = null
  const panel = h('div', { class: 'w' })

  function render(): void {
    const t = (key: RespondentTextKey): string => respondentText(definition, key, language)
    const other = definition.languages.find((l) => l !== language && /^(en|es)/.test(l))
    const switcher = other && !done && h('button', { type: 'button', class: 's', lang: other, id: 'switch' }, respondentText(definition, 'language_switch', language))
    if (switcher) on(switcher, 'click', () => { language = other as string; render(); root.getElementById('switch')?.focus() })
    const close = dialog && h('button', { type: 'button', class: 's' }, t('close'))
    if (close) on(close, 'click', () => dialog?.close())
    const bar = h('div', { class: 'bar' }, switcher, close)
    const message = h('div', { tabindex: '-1' })
    const body: Array<HTMLElement | null> = [message]
    if (done) {
      body.push(h('p', { class: 'ok', role: 'status', tabindex: '-1', id: 'thanks' }, pick(definition.thankYou, language, fallback)))
    } else if (!doc.accepting) {
      body.push(h('p', { class: 'ok', id: 'closed' }, t('closed')))
    } else {
      const previous = form?.values() ?? draft.a
      form = buildForm(definition, language, t('submit'))
      if (previous) form.restore(previous)
      form.update()
      body.push(form.element)
      const active = form
      const save = (): void => {
        active.update()
        draft.a = active.values()
        drafts.save(draft)
      }
      on(active.element, 'input', save)
      on(active.element, 'change', save)
      on(active.element, 'submit', (event) => { event.preventDefault(); void submit(active, message, t) })
    }
    const pra = doc.pra
    const footer = pra && h('footer', {},
      h('p', {}, `${fill(pick(pra.text.control, language, 'en'), { number: pra.ombControlNumber })} · ${fill(pick(pra.text.expires, language, 'en'), { date: footerDate(pra.expiresOn) })}`),
      h('p', {}, fill(pick(pra.text.burden, language, 'en'), { minutes: pra.burdenMinutes })))
    panel.setAttribute('lang', language)
    panel.replaceChildren(
      (bar.childElementCount > 0 && bar) || '',
      h('h2', { id: 'title' }, pick(definition.title, language, fallback)),
      !done && definition.intro ? h('p', {}, pick(definition.intro, language, fallback)) : '',
      ...body.filter((b): b is HTMLElement => b !== null),
      footer || '')
  }

  function showMessage(message: HTMLElement, heading: string, problems: Record<string, string>, active: SurveyForm): void {
    const entries = Object.entries(problems)
    message.className = 'm'
    message.replaceChildren(h('h3', {}, heading), entries.length > 0 ? h('ul', {}, ...entries.map(([field, text]) => {
      const key = field.replace(/\.other$/, '')
      const link = h('a', { href: `#q-${key}` }, `${active.prompt(key)} ${text}`.trim())
      on(link, 'click', (event) => { event.preventDefault(); active.focusTarget(key)?.focus() })
      return h('li', {}, link)
    })) : '')
    message.focus()
  }

  async function submit(active: SurveyForm, message: HTMLElement, t: (key: RespondentTextKey) => string): Promise<void> {
    if (busy) return
    const problems = active.check()
    active.showErrors(problems)
    if (Object.keys(problems).length > 0) return showMessage(message, t('errors_heading'), problems, active)
    busy = true
    const button = active.element.querySelector('button')
    button?.setAttribute('disabled', '')
    draft.k ??= randomKey()
    drafts.save(draft)
    try {
      const reply = await post(`${surveyUrl}/responses`, {
        answers: active.answers(hidden), version: doc.version, source: 'widget', language, pageUrl: location.href.slice(0, 2000), ...context,
      }, { 'idempotency-key': draft.k })
      if ((reply.status === 200 || reply.status === 201) && reply.body?.id) {
        drafts.clear()
        done = true
        render()
        root.getElementById('thanks')?.focus()
        emit('submitted', { responseId: reply.body.id })
        return
      }
      const fields: Record<string, string> = {}
      for (const [field, text] of Object.entries(reply.body?.fields ?? {})) if (field.startsWith('answers.')) fields[field.slice(8)] = text
      if (reply.status === 400) delete draft.k // nothing was stored: the next attempt is a new one
      if (Object.keys(fields).length > 0) {
        active.showErrors(fields)
        showMessage(message, t('errors_heading'), fields, active)
      } else {
        showMessage(message, t('failed'), {}, active)
      }
      fail(reply.body?.message ?? `HTTP ${reply.status}`)
    } catch (error) {
      showMessage(message, t('failed'), {}, active)
      fail((error as Error).message)
    } finally {
      busy = false
      button?.removeAttribute('disabled')
    }
  }

  function shown(): void {
    if (!offered && doc.accepting) {
      offered = true
      post(`${surveyUrl}/offers`, { source: 'widget', ...context }).catch(() => undefined)
    }
    emit('opened')
  }

  render()
  if (!dialog) {
    root.append(panel)
    emit('loaded')
    return shown()
  }
  dialog.append(panel)
  on(dialog, 'close', () => opener?.focus())
  on(dialog, 'keydown', (event) => {
    const key = event as KeyboardEvent
    if (key.key !== 'Tab') return
    // Keep Tab inside the dialog (showModal makes the page inert, but browsers let Tab reach their own toolbar).
    const focusable = Array.from(dialog.querySelectorAll<HTMLElement>('button,input,textarea,a[href]')).filter((el) => el.getClientRects().length > 0 && !el.hasAttribute('disabled'))
    const first = focusable[0]
    const last = focusable[focusable.length - 1]
    const current = root.activeElement
    if (key.shiftKey ? current === first : current === last) {
      key.preventDefault()
      ;(key.shiftKey ? last : first)?.focus()
    }
  })
  const open = (from: HTMLElement): void => {
    opener = from
    if (dialog.open) return
    if (typeof dialog.showModal === 'function') dialog.showModal()
    else dialog.setAttribute('open', '')
    shown()
  }
  root.append(dialog)
  if (mode === 'button') {
    const target = document.querySelector<HTMLElement>(attr('button'))
    if (!target) return fail(`No element matches data-cx280-button="${attr('button')}".`)
    if (!target.hasAttribute('aria-haspopup')) target.setAttribute('aria-haspopup', 'dialog')
    on(target, 'click', (event) => { event.preventDefault(); open(target) })
  } else {
    const button = h('button', { type: 'button', 'aria-haspopup': 'dialog' }, respondentText(definition, 'open', language))
    on(button, 'click', () => open(button))
    root.prepend(button)
  }
  emit('loaded')
}
