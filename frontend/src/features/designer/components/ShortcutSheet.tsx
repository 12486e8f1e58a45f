/** The designer's keyboard and mouse shortcuts, opened with "?". */
const SHORTCUTS: [string, string][] = [
  ["/  or double-click the canvas", "Search and add a component there"],
  ["Drop a wire on empty canvas", "Add a component that takes it, connected"],
  ["Ctrl+A", "Select all nodes"],
  ["Ctrl+C / Ctrl+V", "Copy / paste the selected nodes"],
  ["Delete / Backspace", "Delete the selection"],
  ["Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y", "Undo / redo"],
  ["Ctrl+S", "Save a new version"],
  ["Shift+drag", "Select a box of nodes"],
  ["?", "Show or hide this sheet"],
];

export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  return (
    <div className="shortcut-sheet" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcut-sheet">
      <div className="shortcut-head">
        <strong>Shortcuts</strong>
        <button className="icon-btn sm" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      <table>
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
