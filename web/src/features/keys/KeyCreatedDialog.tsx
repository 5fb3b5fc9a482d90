// The one time a key is shown in full (FR-005): a dialog with the key, a copy button and a
// plain warning. Closing it drops the key from memory; the list shows its prefix only.

import { useState } from "react";
import { Button, Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";
import type { APIKeyCreated } from "../../api/schemas";

export function KeyCreatedDialog({ created, onClose }: { created: APIKeyCreated | null; onClose: () => void }) {
  const [copied, setCopied] = useState<"" | "yes" | "no">("");
  const close = () => {
    setCopied("");
    onClose();
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created!.key);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <ModalOverlay className="overlay" isOpen={created !== null} onOpenChange={(open) => open || close()} isKeyboardDismissDisabled>
      <Modal className="modal">
        <Dialog className="dialog" role="alertdialog">
          {created && (
            <>
              <Heading slot="title">Your new {created.type} key</Heading>
              <p>
                <strong>Copy it now: you will not see it again.</strong> We keep only a hash of it. If you lose it, revoke it and create another.
              </p>
              <p className="muted small">
                {created.name} · {created.permissions === "read_write" ? "read and write" : "read only"}
              </p>
              <label className="key-label" htmlFor="new-key">
                API key
              </label>
              <input id="new-key" className="key-value" readOnly value={created.key} onFocus={(e) => e.currentTarget.select()} />
              <div className="row">
                <Button className="btn" onPress={copy}>
                  Copy key
                </Button>
                <span role="status" className="muted">
                  {copied === "yes" ? "Copied to the clipboard." : copied === "no" ? "Copying failed: select the key and copy it yourself." : ""}
                </span>
              </div>
              <div className="row end">
                <Button className="btn primary" onPress={close}>
                  I have stored it
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
