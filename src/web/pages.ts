/** Registers every server-rendered page. Pages other than sign-in and password reset need a session. */
import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../runtime.ts'
import { registerAccountPages } from './account-pages.tsx'
import { registerAuditPages } from './audit-pages.tsx'
import { registerAuthPages } from './auth-pages.tsx'
import { registerHispPages } from './hisp-pages.tsx'
import { registerHomePages } from './home-pages.tsx'
import { registerInboxPages } from './inbox-pages.tsx'
import { registerNotificationPages } from './notification-pages.tsx'
import { registerRecoveryPages } from './recovery-pages.tsx'
import { registerOrganizationPages } from './organization-pages.tsx'
import { registerReportPages } from './report-pages.tsx'
import { registerServicePages } from './service-pages.tsx'
import { registerSitePages } from './site-pages.tsx'
import { registerMonitorPages } from './monitor-pages.tsx'
import { registerCollectionPages } from './collection-pages.tsx'
import { registerJourneyPages } from './journey-pages.tsx'
import { registerAnalyticsPages } from './analytics-pages.tsx'
import { registerSiteIngestKeyPages } from './site-ingest-keys.tsx'
import { registerSurveyPages } from './survey-pages.tsx'
import { registerSurveyDataPages } from './survey-data-pages.tsx'
import { registerSurveyPublicPages } from './survey-public-pages.tsx'
import { registerUserPages } from './user-pages.tsx'
import { registerWebhookPages } from './webhook-pages.tsx'
import { registerPublicCollectionPages } from './public-collection-pages.tsx'

export async function registerPages(app: FastifyInstance, runtime: Runtime): Promise<void> {
  await registerAuthPages(app, runtime)
  await registerHomePages(app, runtime)
  await registerServicePages(app, runtime)
  await registerSurveyPages(app, runtime)
  await registerSurveyDataPages(app, runtime)
  await registerOrganizationPages(app, runtime)
  await registerHispPages(app, runtime)
  await registerUserPages(app, runtime)
  await registerAccountPages(app, runtime)
  await registerAuditPages(app, runtime)
  await registerReportPages(app, runtime)
  await registerInboxPages(app, runtime)
  await registerRecoveryPages(app, runtime)
  await registerWebhookPages(app, runtime)
  await registerSitePages(app, runtime)
  await registerMonitorPages(app, runtime)
  await registerCollectionPages(app, runtime)
  await registerJourneyPages(app, runtime)
  await registerAnalyticsPages(app, runtime)
  await registerSiteIngestKeyPages(app, runtime)
  await registerNotificationPages(app, runtime)
  await registerSurveyPublicPages(app, runtime)
  await registerPublicCollectionPages(app, runtime)
}
