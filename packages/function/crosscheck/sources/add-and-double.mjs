// JavaScript port of the Python callable of MLflow's `pyfunc-function` fixture:
//   def add_and_double(model_input): return (model_input["a"] + model_input["b"]) * 2
function column(input, name) {
  if (input && typeof input.column === "function") return Array.from(input.column(name).values, Number);
  return input.map((r) => Number(r[name]));
}

export function predict(modelInput) {
  const a = column(modelInput, "a");
  const b = column(modelInput, "b");
  return a.map((v, i) => (v + b[i]) * 2);
}
