import { memo, useEffect } from "react";
import { useToastStore } from "./toastStore";
import type { Toast } from "./toastStore";

const ToastItem = memo(function ToastItem({ t }: { t: Toast }) {
  const dismiss = useToastStore((s) => s.dismiss);
  useEffect(() => {
    const timer = window.setTimeout(() => dismiss(t.id), t.kind === "error" ? 6000 : 3500);
    return () => window.clearTimeout(timer);
  }, [t.id, t.kind, dismiss]);
  return (
    <div className={`toast toast-${t.kind}`} role={t.kind === "error" ? "alert" : "status"} data-testid="toast">
      <span className="toast-icon" aria-hidden>
        {t.kind === "error" ? "!" : t.kind === "success" ? "✓" : "i"}
      </span>
      <span className="toast-msg">{t.message}</span>
      <button className="toast-close" onClick={() => dismiss(t.id)} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
});

export function Toaster() {
  const toasts = useToastStore((s) => s.toasts);
  return (
    <div className="toaster" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} t={t} />
      ))}
    </div>
  );
}
