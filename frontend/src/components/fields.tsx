import { useEffect, useState } from "react";
import type { Primitive } from "../lib/types";

/** Parse the text of a typed field; undefined means "unset". */
export function parseTyped(type: string, text: string): Primitive | undefined {
  if (text.trim() === "") return undefined;
  if (type === "integer" || type === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text; // keep bad text so that it shows an error
  }
  if (type === "boolean") return text === "true";
  return text;
}

export function showValue(v: Primitive | undefined): string {
  return v === undefined || v === null ? "" : String(v);
}

interface TypedInputProps {
  type: string;
  value: Primitive | undefined;
  placeholder?: string;
  enumValues?: Primitive[] | null;
  min?: number | null;
  max?: number | null;
  disabled?: boolean;
  invalid?: boolean;
  testId?: string;
  onChange: (v: Primitive | undefined) => void;
}

/** One input for a typed value: number/integer with min/max, enum select, boolean toggle, text. */
export function TypedInput({ type, value, placeholder, enumValues, min, max, disabled, invalid, testId, onChange }: TypedInputProps) {
  const [text, setText] = useState(showValue(value));
  // Follow outside changes (undo, another node) without fighting the user's typing.
  useEffect(() => {
    setText((t) => (parseTyped(type, t) === value ? t : showValue(value)));
  }, [value, type]);

  if (enumValues && enumValues.length) {
    return (
      <select
        className={invalid ? "invalid" : undefined}
        value={showValue(value)}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => {
          const picked = enumValues.find((x) => showValue(x) === e.target.value);
          onChange(e.target.value === "" ? undefined : picked);
        }}
      >
        <option value="">{placeholder ? `default (${placeholder})` : "—"}</option>
        {enumValues.map((x) => (
          <option key={showValue(x)} value={showValue(x)}>
            {showValue(x) === "\t" ? "tab" : showValue(x)}
          </option>
        ))}
      </select>
    );
  }
  if (type === "boolean") {
    const effective = value === undefined ? placeholder === "true" : value === true;
    return (
      <label className={`toggle${value === undefined ? " is-default" : ""}`}>
        <input
          type="checkbox"
          role="switch"
          checked={effective}
          disabled={disabled}
          data-testid={testId}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span className="toggle-track" />
        <span className="small muted">
          {effective ? "true" : "false"}
          {value === undefined && placeholder ? " (default)" : ""}
        </span>
      </label>
    );
  }
  const numeric = type === "integer" || type === "number";
  return (
    <input
      type={numeric ? "number" : "text"}
      inputMode={numeric ? "decimal" : undefined}
      step={type === "integer" ? 1 : "any"}
      min={min ?? undefined}
      max={max ?? undefined}
      className={invalid ? "invalid" : undefined}
      placeholder={placeholder}
      value={text}
      disabled={disabled}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseTyped(type, e.target.value));
      }}
    />
  );
}

/** Client-side check of one parameter value; the server's validator has the final word. */
export function checkValue(
  spec: { type: string; min?: number | null; max?: number | null; enum?: Primitive[] | null },
  v: Primitive | undefined,
): string | null {
  if (v === undefined || v === null) return null;
  if (spec.type === "integer" || spec.type === "number") {
    if (typeof v !== "number" || !Number.isFinite(v)) return "Must be a number";
    if (spec.type === "integer" && !Number.isInteger(v)) return "Must be a whole number";
    if (spec.min != null && v < spec.min) return `Must be ≥ ${spec.min}`;
    if (spec.max != null && v > spec.max) return `Must be ≤ ${spec.max}`;
  }
  if (spec.enum && spec.enum.length && !spec.enum.includes(v)) return "Not one of the allowed values";
  return null;
}
