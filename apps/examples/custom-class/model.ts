/**
 * A custom-class model written in TypeScript: prices bakery orders.
 *
 * - artifact `prices`: a CSV price list (item,unit_price), read once in `loadContext`;
 * - `modelConfig`: `{ currency, vatRate }`, saved with the model and overridable when it is loaded;
 * - `static inputSchema` / `static outputSchema`: one row as zod schemas; they give the MLflow signature, and each
 *   input row is validated with the schema at predict time (so `quantity: 0` is refused with a clear error).
 *
 * saveModel compiles this file with esbuild into the model directory; package imports (zod, @pyfunc/*) are
 * resolved from the application that loads the model.
 */
import { readFileSync } from "node:fs";
import { MlflowException } from "@pyfunc/core";
import { PyFuncModelBase, type PythonModelContext, setModel } from "@pyfunc/custom-class";
import { z } from "zod";

const Order = z.object({
  item: z.string().min(1),
  quantity: z.int().min(1),
});
type Order = z.infer<typeof Order>;

const Quote = z.object({
  item: z.string(),
  quantity: z.int(),
  net: z.number(),
  vat: z.number(),
  total: z.number(),
  currency: z.string(),
});
type Quote = z.infer<typeof Quote>;

const cents = (x: number) => Math.round(x * 100) / 100;

class BakeryPricer extends PyFuncModelBase {
  static inputSchema = Order;
  static outputSchema = Quote;

  private prices = new Map<string, number>();

  override loadContext(context: PythonModelContext): void {
    const csv = readFileSync(context.artifacts.prices!, "utf8").trim().split(/\r?\n/);
    for (const line of csv.slice(1)) {
      const comma = line.lastIndexOf(",");
      this.prices.set(line.slice(0, comma).trim(), Number(line.slice(comma + 1)));
    }
  }

  override predict(context: PythonModelContext, orders: Order[]): Quote[] {
    const vatRate = Number(context.modelConfig.vatRate ?? 0);
    const currency = String(context.modelConfig.currency ?? "EUR");
    return orders.map(({ item, quantity }) => {
      const unit = this.prices.get(item.toLowerCase());
      if (unit === undefined) {
        throw MlflowException.invalidParameter(
          `'${item}' is not on the price list (${[...this.prices.keys()].join(", ")})`,
        );
      }
      const net = cents(unit * quantity);
      const vat = cents(net * vatRate);
      return { item, quantity, net, vat, total: cents(net + vat), currency };
    });
  }
}

setModel(new BakeryPricer());
