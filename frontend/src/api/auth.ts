import { apiFetch } from "../lib/api";
import { useQuery } from "../lib/useQuery";

export interface Me {
  username: string;
  is_staff?: boolean;
}

export const fetchCsrf = (): Promise<unknown> => apiFetch("/api/auth/csrf/");

export async function login(username: string, password: string): Promise<Me> {
  await fetchCsrf();
  return apiFetch<Me>("/api/auth/login/", { method: "POST", body: { username, password } });
}

export const logout = (): Promise<unknown> => apiFetch("/api/auth/logout/", { method: "POST", body: {} });

/** The server answers a visitor without a session with 200 {authenticated: false}, not a 401. */
export type MeAnswer = { authenticated: false } | ({ authenticated: true } & Me);

export const fetchMe = (signal?: AbortSignal): Promise<MeAnswer> => apiFetch<MeAnswer>("/api/auth/me/", { signal });

let early: Promise<MeAnswer> | null = null;

/** Ask who is signed in before React first renders (main.tsx); the first useMe takes the answer. */
export function probeMe(): void {
  early = fetchMe();
  early.catch(() => undefined); // useMe reports it
}

function takeMe(signal: AbortSignal): Promise<MeAnswer> {
  const answer = early ?? fetchMe(signal);
  early = null;
  return answer;
}

export const useMe = (key: string) => useQuery(key, takeMe);
