import type { ComponentOwner } from "../../../lib/types";

/** "system", "olivia", "olivia · ml-team": who may publish new versions besides admins. */
export function ownerLabel(owner: ComponentOwner | undefined): string {
  if (!owner || owner.kind === "system") return "system";
  if (owner.kind === "unclaimed") return "unclaimed";
  return [owner.name, owner.group].filter(Boolean).join(" · ");
}

export function ownerTitle(owner: ComponentOwner | undefined): string {
  if (!owner || owner.kind === "system") return "Built-in: only an admin publishes new versions";
  if (owner.kind === "unclaimed") return "Only anonymous versions (from pipeline imports): the first named version claims the name";
  const who = [owner.name, owner.group ? `members of ${owner.group}` : null].filter(Boolean).join(", ");
  return `Owned by ${who}: only they or an admin publish new versions`;
}
