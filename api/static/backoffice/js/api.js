// The page's only way to data: the public GraphQL API, with the signed-in user's token.
// Queries go over HTTP POST; subscriptions over graphql-transport-ws at the same address.

const ENDPOINT = "/graphql";
const TOKEN_KEY = "bolashak.token";

export class ApiError extends Error {}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  },
  /** The token's claims (read for the page's routing only: the server checks the token). */
  get claims() {
    const token = this.token;
    if (!token) return null;
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part));
    } catch { return null; }
  },
};

/** POSTs a document; its data, or an ApiError with the server's messages. */
export async function query(document, variables = {}) {
  const answer = await post(document, variables);
  if (answer.errors?.length) throw new ApiError(answer.errors.map((e) => e.message).join("; "));
  return answer.data;
}

async function post(document, variables) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
      Authorization: `Bearer ${session.token}`,
    },
    body: JSON.stringify({ query: document, variables }),
  });
  let answer;
  try { answer = await response.json(); } catch {
    throw new ApiError(`the server answered ${response.status}`);
  }
  if (response.status === 401) {
    throw new ApiError(`signed out: ${answer.errors?.[0]?.message ?? "token refused"}`);
  }
  return answer;
}

/** Subscribes over graphql-transport-ws; `onData` gets each payload's data. Returns a
 * function that ends the subscription (and the socket). */
export function subscribe(document, variables, onData, onError = () => {}) {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${ENDPOINT}`;
  const socket = new WebSocket(url, "graphql-transport-ws");
  let ended = false;
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({
      type: "connection_init", payload: { Authorization: `Bearer ${session.token}` },
    }));
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      socket.send(JSON.stringify({
        id: "1", type: "subscribe", payload: { query: document, variables },
      }));
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "next") {
      if (message.payload.errors?.length) onError(message.payload.errors[0].message);
      else onData(message.payload.data);
    } else if (message.type === "error") {
      onError(message.payload?.[0]?.message ?? "subscription refused");
    }
  });
  socket.addEventListener("close", (event) => {
    if (!ended && event.code !== 1000) onError(`live updates stopped (${event.code})`);
  });
  return () => {
    ended = true;
    socket.close(1000);
  };
}
