/** A person's email settings for one survey: an email per response, a daily digest, or nothing. */
import type { FastifyInstance } from 'fastify'
import { requireActor } from '../http/request-context.ts'
import { getSubscription, NOTIFICATION_MODE_LABELS, NOTIFICATION_MODES, setSubscription, type NotificationMode } from '../notify/survey-notifications.ts'
import type { Runtime } from '../runtime.ts'
import { CsrfField, ErrorSummary } from './components.tsx'
import { asForm, formText } from './forms.ts'
import { redirectWithFlash, sendPage } from './render.tsx'

export async function registerNotificationPages(app: FastifyInstance, { db }: Runtime): Promise<void> {
  app.get<{ Params: { id: string } }>('/surveys/:id/notifications', async (request, reply) => {
    const subscription = await getSubscription(db, requireActor(request), request.params.id)
    return sendPage(request, reply, `Email notifications: ${subscription.surveyName}`, (csrf) => <NotificationForm csrf={csrf} surveyId={subscription.surveyId} surveyName={subscription.surveyName} mode={subscription.mode} />)
  })

  app.post<{ Params: { id: string } }>('/surveys/:id/notifications', async (request, reply) => {
    const actor = requireActor(request)
    const mode = formText(asForm(request.body), 'mode')
    if (!(NOTIFICATION_MODES as readonly string[]).includes(mode)) {
      const current = await getSubscription(db, actor, request.params.id)
      return sendPage(request, reply, `Email notifications: ${current.surveyName}`, (csrf) => (
        <NotificationForm csrf={csrf} surveyId={current.surveyId} surveyName={current.surveyName} mode={current.mode} error="Choose how you want to hear about new feedback." />
      ), 400)
    }
    const saved = await setSubscription(db, actor, request.params.id, mode as NotificationMode)
    return redirectWithFlash(request, reply, `/surveys/${saved.surveyId}/notifications`, saved.mode === 'off' ? 'You will get no email about this survey.' : 'Email settings saved.')
  })
}

function NotificationForm({ csrf, surveyId, surveyName, mode, error }: { csrf: string; surveyId: string; surveyName: string; mode: NotificationMode; error?: string }) {
  return (
    <>
      <h1>Email notifications</h1>
      <p class="usa-intro">How you hear about new feedback for <a href={`/surveys/${surveyId}`}>{surveyName}</a>.</p>
      <p>Emails never include written comments or contact details; they link to the inbox and the recovery case, where your role decides what you see.</p>
      <form class="usa-form usa-form--large" method="post" action={`/surveys/${surveyId}/notifications`} noValidate>
        <ErrorSummary errors={error ? { mode: error } : undefined} labels={{ mode: 'Email' }} />
        <CsrfField token={csrf} />
        <fieldset id="field-mode" tabIndex={-1} class={`usa-fieldset usa-form-group${error ? ' usa-form-group--error' : ''}`}>
          <legend class="usa-legend">Email me</legend>
          {error && <span class="usa-error-message" role="alert">{error}</span>}
          {NOTIFICATION_MODES.map((m) => (
            <div class="usa-radio" key={m}>
              <input class="usa-radio__input" id={`mode-${m}`} type="radio" name="mode" value={m} checked={m === mode} />
              <label class="usa-radio__label" for={`mode-${m}`}>{NOTIFICATION_MODE_LABELS[m]}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" class="usa-button">Save</button>
      </form>
    </>
  )
}
