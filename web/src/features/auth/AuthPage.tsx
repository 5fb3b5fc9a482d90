// Sign up and log in: one form, two endpoints. The answer's access token stays in memory;
// the server sets the HttpOnly refresh cookie that brings it back after a reload.

import { useState, type FormEvent } from "react";
import { ApiError, signIn } from "../../api/client";
import { ProblemMessage } from "../../app/Problem";
import { Link } from "../../router";
import { TextField } from "../../app/Field";
import { useTitle } from "../../app/title";

export function AuthPage({ kind }: { kind: "login" | "signup" }) {
  useTitle(kind === "login" ? "Log in" : "Sign up");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  const signup = kind === "signup";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(kind, email, password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth">
      <h1>{signup ? "Create your account" : "Log in"}</h1>
      <form onSubmit={submit} noValidate className="stack">
        <ProblemMessage error={error} fieldsShown />
        <TextField label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} error={fields.email} required />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete={signup ? "new-password" : "current-password"}
          value={password}
          onChange={setPassword}
          error={fields.password}
          hint={signup ? "At least 10 characters." : undefined}
          required
        />
        <button type="submit" className="btn primary" disabled={busy}>
          {signup ? "Sign up" : "Log in"}
        </button>
      </form>
      <p>
        {signup ? (
          <>
            Already have an account? <Link href="/login">Log in</Link>
          </>
        ) : (
          <>
            New to RecomEngine? <Link href="/signup">Create an account</Link>
          </>
        )}
      </p>
    </div>
  );
}
