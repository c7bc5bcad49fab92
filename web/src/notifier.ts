/** System notifications through the Notification API, where the user allowed them. */

export type Permission = NotificationPermission | "unsupported";

export function permission(): Permission {
  return "Notification" in window ? Notification.permission : "unsupported";
}

/** Asks once, on a click: browsers ignore (or penalise) a request that no gesture started. */
export async function askPermission(): Promise<Permission> {
  if (!("Notification" in window)) return "unsupported";
  return Notification.requestPermission();
}

/**
 * Shows one system notification. `tag` is the notification id, so several tabs showing the
 * same reminder replace each other instead of stacking up.
 */
export function systemNotify(title: string, body: string, tag: string, onClick: () => void): void {
  if (permission() !== "granted") return;
  try {
    const n = new Notification(title, { body, tag, icon: "/favicon.svg" });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // Some browsers only show notifications from a service worker: the toast is still there.
  }
}
