// The last line of defence: a render error anywhere shows a message and a way back instead
// of a blank page.

import { Component, type ReactNode } from "react";

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <main id="main" tabIndex={-1} className="narrow">
        <h1>Something went wrong</h1>
        <p role="alert">The page could not be shown: {this.state.error.message}</p>
        <p>
          <a href="/tenants">Go to your tenants</a>
        </p>
      </main>
    );
  }
}
