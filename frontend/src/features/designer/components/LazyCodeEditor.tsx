/** The code editor, its CodeMirror chunk fetched only when a code parameter is shown. */
import { Suspense } from "react";
import { preloadable } from "../../../lib/preloadable";
import type { CodeEditorProps } from "./CodeEditor";

const Editor = preloadable(
  () => import("./CodeEditor"),
  (m) => m.default,
);

export function LazyCodeEditor(props: CodeEditorProps) {
  return (
    <Suspense fallback={<textarea className="code-editor-fallback" value={props.value} readOnly aria-label={props.label} />}>
      <Editor.Component {...props} />
    </Suspense>
  );
}
