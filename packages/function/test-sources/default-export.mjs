export default function (modelInput) {
  return { n: Array.isArray(modelInput) ? modelInput.length : 1 };
}
