/**
 * The official-website banner every page carries (USWDS), in English and Spanish with USWDS's published
 * translations; other languages fall back to English.
 */
import { pick, type Localized } from '../a11/survey-model.ts'

export const FRAME_TEXT = {
  skip: { en: 'Skip to main content', es: 'Saltar al contenido principal' },
  bannerLabel: { en: 'Official website of the United States government', es: 'Un sitio oficial del Gobierno de Estados Unidos' },
  bannerText: { en: 'An official website of the United States government', es: 'Un sitio oficial del Gobierno de Estados Unidos' },
  bannerAction: { en: 'Here’s how you know', es: 'Así es como usted puede verificarlo' },
  dotGovHeading: { en: 'Official websites use .gov', es: 'Los sitios web oficiales usan .gov' },
  dotGovText: { en: 'A .gov website belongs to an official government organization in the United States.', es: 'Un sitio web .gov pertenece a una organización oficial del Gobierno de Estados Unidos.' },
  httpsHeading: { en: 'Secure .gov websites use HTTPS', es: 'Los sitios web seguros .gov usan HTTPS' },
  httpsText: {
    en: 'A lock or https:// means you’ve safely connected to the .gov website. Share sensitive information only on official, secure websites.',
    es: 'Un candado o https:// significa que usted se conectó de forma segura a un sitio web .gov. Comparta información sensible sólo en sitios web oficiales y seguros.',
  },
} as const satisfies Record<string, Localized>

export const frameText = (key: keyof typeof FRAME_TEXT, language: string): string => pick(FRAME_TEXT[key], language, 'en')

export function GovBanner({ language, id }: { language: string; id: string }) {
  return (
    <section class="usa-banner" aria-label={frameText('bannerLabel', language)}>
      <div class="usa-accordion">
        <header class="usa-banner__header">
          <div class="usa-banner__inner">
            <div class="grid-col-auto">
              <img aria-hidden="true" class="usa-banner__header-flag" src="/assets/uswds/img/us_flag_small.png" alt="" />
            </div>
            <div class="grid-col-fill tablet:grid-col-auto" aria-hidden="true">
              <p class="usa-banner__header-text">{frameText('bannerText', language)}</p>
              <p class="usa-banner__header-action">{frameText('bannerAction', language)}</p>
            </div>
            <button type="button" class="usa-accordion__button usa-banner__button" aria-expanded="false" aria-controls={id}>
              <span class="usa-banner__button-text">{frameText('bannerAction', language)}</span>
            </button>
          </div>
        </header>
        <div class="usa-banner__content usa-accordion__content" id={id} hidden>
          <div class="grid-row grid-gap-lg">
            <div class="usa-banner__guidance tablet:grid-col-6">
              <img class="usa-banner__icon usa-media-block__img" src="/assets/uswds/img/icon-dot-gov.svg" role="img" alt="" aria-hidden="true" />
              <div class="usa-media-block__body">
                <p><strong>{frameText('dotGovHeading', language)}</strong><br />{frameText('dotGovText', language)}</p>
              </div>
            </div>
            <div class="usa-banner__guidance tablet:grid-col-6">
              <img class="usa-banner__icon usa-media-block__img" src="/assets/uswds/img/icon-https.svg" role="img" alt="" aria-hidden="true" />
              <div class="usa-media-block__body">
                <p><strong>{frameText('httpsHeading', language)}</strong><br />{frameText('httpsText', language)}</p>
              </div>
            </div>
          </div>
        </div>
      </div>
    </section>
  )
}

