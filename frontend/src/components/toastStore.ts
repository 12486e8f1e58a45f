import { create } from "zustand";

export type ToastKind = "info" | "success" | "error";
export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

interface ToastState {
  toasts: Toast[];
  seq: number;
  push(kind: ToastKind, message: string): void;
  dismiss(id: number): void;
}

export const useToastStore = create<ToastState>()((set) => ({
  toasts: [],
  seq: 0,
  push(kind, message) {
    set((s) => {
      // The same message twice in a row replaces the first instead of stacking.
      const toasts = s.toasts.filter((t) => t.message !== message).slice(-3);
      return { seq: s.seq + 1, toasts: [...toasts, { id: s.seq + 1, kind, message }] };
    });
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

export const toast = {
  info: (m: string) => useToastStore.getState().push("info", m),
  success: (m: string) => useToastStore.getState().push("success", m),
  error: (m: string) => useToastStore.getState().push("error", m),
};
