// An untyped model function as a default export, found through codePaths. Without a row schema it takes what it is
// given: the records of the input example at save time, a DataFrame once the signature is enforced at predict.
export default function addOne(input) {
  const rows = Array.isArray(input) ? input : input.toRecords();
  return rows.map((r) => r.v + 1);
}
