import type { ReactNode } from "react";
import { Button, Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";

/** ConfirmDialog asks before a destructive action; Escape and Cancel leave things as they are. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  busy,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}) {
  return (
    <ModalOverlay className="overlay" isOpen={open} onOpenChange={(o) => o || onCancel()} isDismissable>
      <Modal className="modal">
        <Dialog className="dialog" role="alertdialog">
          <Heading slot="title">{title}</Heading>
          {children}
          <div className="row end">
            <Button className="btn" onPress={onCancel} autoFocus>
              Cancel
            </Button>
            <Button className="btn danger" onPress={onConfirm} isDisabled={busy}>
              {confirmLabel}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
