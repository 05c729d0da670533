/**
 * Fault injection for AWS SDK v3 clients: a client whose `send` goes through `intercept` first, which may answer,
 * throw, or pass the command on to the real client (`send`). The original client is left untouched.
 *
 *   const crashing = interceptSend(sqs, (command, send) => {
 *     if (command instanceof DeleteMessageBatchCommand) throw new Error("Lambda timed out");
 *     return send(command);
 *   });
 */
export function interceptSend<C extends { send: unknown }>(
  client: C,
  intercept: (command: unknown, send: (command: unknown) => Promise<unknown>) => Promise<unknown>,
): C {
  const send = (client.send as (command: unknown) => Promise<unknown>).bind(client);
  const wrapped = Object.create(client) as C;
  wrapped.send = ((command: unknown) => intercept(command, send)) as C["send"];
  return wrapped;
}
