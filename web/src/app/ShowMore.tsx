/** ShowMore ends a list read page by page: how many are shown, and a button for the next page. */
export function ShowMore(props: { shown: number; total: number; noun: string; loading: boolean; onMore: () => void }) {
  return (
    <p className="row">
      <span className="muted">
        {props.shown} of {props.total} shown
      </span>
      <button type="button" className="btn" onClick={props.onMore} disabled={props.loading}>
        {props.loading ? "Loading…" : `Show more ${props.noun}`}
      </button>
    </p>
  );
}
