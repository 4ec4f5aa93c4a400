/** A model's `predictStream` result (an iterable or async iterable) as the async iterable core streams. */
export async function* toAsync(it: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
  yield* it as AsyncIterable<unknown>;
}
