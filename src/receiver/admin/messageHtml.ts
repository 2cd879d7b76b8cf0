import { escapeHtml } from './adminTime';

/**
 * A stored or generated message (an error, an advice, a reason) as HTML: escaped, with `backticked` names (commands,
 * variables such as `dci-companion requeue`) as <code>, so no literal backtick reaches the page. The CLI prints the
 * same messages with their backticks.
 */
export function messageHtml(text: string | undefined): string {
  if (text === undefined) return '';
  return escapeHtml(text)
    .replace(/`([^`]+)`/gu, '<code>$1</code>')
    .replace(/`/gu, '');
}
