/** A tiny element builder: text goes in through text nodes only, so survey content can never become markup. */
type Attributes = Record<string, string | boolean | undefined>
export type Child = Node | string | false | null | undefined

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const name in attributes) {
    const value = attributes[name]
    if (value === true) element.setAttribute(name, '')
    else if (typeof value === 'string') element.setAttribute(name, value)
  }
  for (const child of children) if (child) element.append(child)
  return element
}

export const on = (target: EventTarget, type: string, listener: (event: Event) => void): void => target.addEventListener(type, listener)
