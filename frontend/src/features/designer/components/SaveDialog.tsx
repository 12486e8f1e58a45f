import { useState } from "react";
import { Dialog } from "../../../components/Dialog";

export function SaveDialog({
  isNew,
  busy,
  onSave,
  onClose,
}: {
  isNew: boolean;
  busy: boolean;
  onSave: (message: string) => void;
  onClose: () => void;
}) {
  const [message, setMessage] = useState("");
  return (
    <Dialog
      title={isNew ? "Save new pipeline" : "Save a new version"}
      onClose={onClose}
      testId="save-dialog"
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn-primary" disabled={busy} onClick={() => onSave(message)} data-testid="btn-save-confirm">
            {busy ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSave(message);
        }}
      >
        <label className="field">
          <span>Version message</span>
          <input autoFocus value={message} placeholder="What changed?" onChange={(e) => setMessage(e.target.value)} data-testid="save-message" />
        </label>
        <p className="muted small">Every save creates a new immutable version.</p>
      </form>
    </Dialog>
  );
}
