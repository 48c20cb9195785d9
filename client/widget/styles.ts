/**
 * The widget's own styles, adopted into each shadow root as a constructable stylesheet (not blocked by a host CSP
 * without 'unsafe-inline'). Pixel units only (host `html { font-size }` cannot scale us); `:host` rules are
 * !important because, for important declarations, the shadow tree's rules beat the host page's.
 */
import { h } from './dom.ts'

const BLUE = '#005ea2'
const CSS = `:host{all:initial!important;display:block!important;visibility:visible!important;opacity:1!important;position:static!important;transform:none!important;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif!important;color:#1b1b1b!important;text-align:left!important}
*,::before,::after{box-sizing:border-box}
[hidden]{display:none!important}
.w{max-width:640px;background:#fff;color:#1b1b1b;padding:16px 20px;border:1px solid #a9aeb1;border-radius:4px}
dialog .w{border:0}
h2{font-size:22px;line-height:1.3;margin:0 0 12px;font-weight:700}
h3{font-size:18px;margin:0 0 8px}
p{margin:0 0 12px}
ul{margin:0;padding-left:20px}
fieldset{border:0;margin:0 0 20px;padding:0;min-width:0}
legend,.q>label{display:block;font-weight:700;margin:0 0 6px;padding:0}
.q{margin:0 0 20px}
.h{color:#565c65;font-size:15px;margin:0 0 6px}
.o{display:flex;align-items:flex-start;gap:10px;margin:8px 0}
.o label{font-weight:400}
input[type=radio],input[type=checkbox]{width:20px;height:20px;margin:2px 0 0;flex:none;accent-color:${BLUE}}
input[type=text],textarea{display:block;width:100%;font:inherit;color:#1b1b1b;background:#fff;border:1px solid #565c65;border-radius:0;padding:8px;margin:4px 0 0}
textarea{min-height:96px;resize:vertical}
[aria-invalid=true]{border:3px solid #b50909}
button{font:inherit;font-weight:700;cursor:pointer;border-radius:4px;padding:10px 20px;border:2px solid ${BLUE};background:${BLUE};color:#fff;margin:0}
button:disabled{opacity:.6;cursor:wait}
.s{background:#fff;color:${BLUE};padding:6px 12px}
.bar{display:flex;justify-content:flex-end;gap:8px;margin:0 0 8px}
:focus-visible{outline:4px solid #2491ff!important;outline-offset:2px}
.e{color:#b50909;font-weight:700;margin:0 0 6px}
.e:empty{display:none}
.m{border-left:8px solid #b50909;background:#f4e3db;padding:12px 16px;margin:0 0 16px}
.ok{border-left:8px solid #00a91c;background:#ecf3ec;padding:12px 16px;margin:0 0 12px}
a{color:${BLUE};text-decoration:underline}
footer{margin:16px 0 0;font-size:14px;color:#565c65;border-top:1px solid #dfe1e2;padding-top:12px}
footer p{margin:0 0 6px}
dialog{border:0;border-radius:4px;padding:0;width:680px;max-width:calc(100vw - 32px);max-height:calc(100vh - 32px);overflow:auto;background:#fff;color:#1b1b1b}
dialog::backdrop{background:rgba(0,0,0,.6)}`

let shared: CSSStyleSheet | null = null

export function adoptStyles(root: ShadowRoot): void {
  try {
    if (!shared) {
      shared = new CSSStyleSheet()
      shared.replaceSync(CSS)
    }
    root.adoptedStyleSheets = [shared]
  } catch {
    // Browsers without constructable stylesheets: a <style> element (a strict host CSP may block it; the form still works).
    root.append(h('style', {}, CSS))
  }
}
