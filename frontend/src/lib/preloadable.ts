/** lazy() for a route chunk that can be fetched ahead of its first render. */
import { createElement, lazy } from "react";
import type { ComponentType } from "react";

export interface Preloadable<P extends object> {
  Component: ComponentType<P>;
  preload(): Promise<unknown>;
}

/**
 * A lazy component that renders without suspending when its chunk arrived before it was
 * first rendered. React 19 holds a revealed Suspense boundary back for up to 300 ms after
 * its fallback showed, so a chunk that is already there should never suspend at all.
 */
export function preloadable<M, P extends object>(load: () => Promise<M>, pick: (module: M) => ComponentType<P>): Preloadable<P> {
  let ready: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const fetch = () =>
    (pending ??= load().then((module) => {
      ready = pick(module);
      return ready;
    }));
  const Lazy = lazy(async () => ({ default: await fetch() }));
  function Component(props: P) {
    return createElement(ready ?? Lazy, props);
  }
  return { Component, preload: fetch };
}
