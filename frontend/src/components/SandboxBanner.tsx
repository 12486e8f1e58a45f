import type { Me } from "../api/auth";
import { useMeta } from "../api/meta";

/** Staff only: steps cannot be sandboxed on this server (from /api/meta/). */
export function SandboxBanner({ me }: { me: Me | null }) {
  const sandbox = useMeta().sandbox;
  if (!me?.is_staff || !sandbox || sandbox.available) return null;
  return (
    <div className="sandbox-banner" role="alert">
      <strong>The step sandbox cannot start on this server.</strong> {sandbox.reason}.{" "}
      {sandbox.allow_unsandboxed
        ? "CONVEYOR_ALLOW_UNSANDBOXED is set: every step runs without a sandbox, with the server's rights."
        : "Runs of non-staff users are refused; staff runs go ahead unsandboxed. Install bubblewrap, or set CONVEYOR_ALLOW_UNSANDBOXED=1."}
    </div>
  );
}
