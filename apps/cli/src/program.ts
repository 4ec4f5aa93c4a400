import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { runInfo } from "./commands/info.js";
import { runPredict } from "./commands/predict.js";
import { modelUriOption, runServe, withServeOptions } from "./commands/serve.js";
import { runValidate } from "./commands/validate.js";
import { CliError } from "./errors.js";
import { EXIT_CODE_HELP, EXIT_CODES } from "./exit-codes.js";

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function pluginOption(): Option {
  return new Option(
    "--plugin <module>",
    "import a flavor plugin module or package before loading (repeatable; also PYFUNC_PLUGINS=a,b)",
  ).argParser(collect);
}

function envManagerOption(): Option {
  return new Option(
    "--env-manager <manager>",
    "accepted for compatibility with mlflow models; models always run in this Node.js process",
  ).hideHelp();
}

/** MLflow flags about Python environments: accepted so scripts written for `mlflow models` run unchanged. */
function withPythonEnvOptions(command: Command): Command {
  for (const option of pythonEnvOptions()) command.addOption(option);
  return command;
}

function pythonEnvOptions(): Option[] {
  return [
    envManagerOption(),
    new Option("--no-conda", "accepted for compatibility (= --env-manager local)").hideHelp(),
    new Option("--install-mlflow", "accepted for compatibility; ignored").hideHelp(),
    new Option("-r, --pip-requirements-override <reqs>", "accepted for compatibility; ignored").hideHelp(),
  ];
}

const MLFLOW_FLAGS_HEADING =
  "MLflow's Python-environment flags (accepted and ignored with a note: models run in this Node.js process):";

/** The same flags, listed in the command's help under their own heading. */
function withListedPythonEnvOptions(command: Command): Command {
  const options = [
    new Option("--env-manager <manager>", "local, virtualenv, uv or conda").default("local"),
    new Option("--no-conda", "= --env-manager local (MLflow 1.x)"),
    new Option("--install-mlflow", "install MLflow into the model's environment"),
    new Option("-r, --pip-requirements-override <reqs>", "extra pip requirements for the environment"),
  ];
  for (const option of options) command.addOption(option.helpGroup(MLFLOW_FLAGS_HEADING));
  return command;
}

interface PythonEnvFlags {
  envManager?: string;
  installMlflow?: boolean;
  pipRequirementsOverride?: string;
  enableMlserver?: boolean;
}

function notePythonEnvFlags(opts: PythonEnvFlags): void {
  const ignored: string[] = [];
  if (opts.envManager !== undefined && opts.envManager !== "local")
    ignored.push(`--env-manager ${opts.envManager}`);
  if (opts.installMlflow) ignored.push("--install-mlflow");
  if (opts.pipRequirementsOverride !== undefined) ignored.push("--pip-requirements-override");
  if (opts.enableMlserver)
    ignored.push("--enable-mlserver (the server always serves the Open Inference Protocol too)");
  if (ignored.length > 0) {
    process.stderr.write(
      `pyfunc: ignored ${ignored.join(", ")}: models run in this Node.js process (as --env-manager local).\n`,
    );
  }
}

/** `--env KEY=VALUE` (repeatable), as `mlflow models predict`: set for the model before it loads. */
function applyEnv(pairs: string[] | undefined): void {
  for (const pair of pairs ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`--env expects KEY=VALUE, got '${pair}'.`, EXIT_CODES.USAGE);
    process.env[pair.slice(0, at)] = pair.slice(at + 1);
  }
}

/** The `pyfunc` command tree. Actions throw CliError; `main` turns errors into messages and exit codes. */
export function createProgram(): Command {
  const program = new Command();
  program
    .name("pyfunc")
    .description("Serve and score MLflow pyfunc models in Node.js (mirrors `mlflow models serve/predict`).")
    .version(cliVersion(), "-V, --version", "print the version")
    .helpOption("--help", "show help") // -h is --host, as in `mlflow models serve`
    .showSuggestionAfterError(true)
    .addHelpText("after", `\n${EXIT_CODE_HELP}\n`)
    .exitOverride();

  withServeOptions(program.command("serve"))
    .description(
      "Serve a model with the MLflow scoring protocol (POST /invocations, GET /ping, /health, /version).",
    )
    .addOption(modelUriOption())
    .addOption(new Option("-p, --port <port>", "port to listen on").env("MLFLOW_PORT").default("5000"))
    .addOption(new Option("-h, --host <host>", "interface to bind").env("MLFLOW_HOST").default("127.0.0.1"))
    .addOption(
      new Option("-t, --timeout <seconds>", "per-request timeout")
        .env("MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT")
        .default("60"),
    )
    .addOption(pluginOption())
    .addOption(
      new Option("-r, --pip-requirements-override <reqs>", "accepted for compatibility; ignored").hideHelp(),
    )
    .addHelpText(
      "after",
      "\nExamples:\n  pyfunc serve -m ./my_model -p 5001\n  pyfunc serve -m churn=models:/churn@champion -m fraud=./fraud\n  pyfunc serve --model-repository ./models --default-model churn\n",
    )
    .action(async (opts: Parameters<typeof runServe>[0] & PythonEnvFlags) => {
      notePythonEnvFlags(opts);
      await runServe(opts);
    });

  const predict = program
    .command("predict")
    .description(
      'Predict on a file (or stdin) and write the server\'s answer {"predictions": ...} to a file (or stdout). ' +
        "CSV and JSON Lines are streamed in chunks with bounded memory.",
    )
    .requiredOption("-m, --model-uri <uri>", "model directory or URI")
    .option("-i, --input-path <path>", "input file (default: stdin)")
    .option("-o, --output-path <path>", "output file (default: stdout)")
    .option(
      "-t, --content-type <type>",
      "json (a scoring payload: dataframe_split, dataframe_records, instances, inputs), csv, jsonl (one record per line) or parquet; default: from the input file extension, else json",
    )
    .option("--params <json>", "params for predict, a JSON object (overrides the payload's params)")
    .option("-w, --workers <n>", "worker threads for streamed CSV / JSON Lines (each loads the model)", "1")
    .option(
      "--chunk-size <rows>",
      "rows per predict call for CSV / JSON Lines; 0 = whole input in one call",
      "10000",
    )
    .option(
      "--no-progress",
      "never show the progress bar (it is shown only when stderr is a terminal and -o is a file)",
    )
    .addOption(pluginOption())
    .addOption(
      new Option(
        "--env <KEY=VALUE>",
        "environment variable for the model (repeatable), as mlflow models predict",
      ).argParser(collect),
    )
    .addOption(new Option("--report-rss", "print the process peak RSS to stderr on exit").hideHelp());
  withListedPythonEnvOptions(predict)
    .addHelpText(
      "after",
      "\nExamples:\n  pyfunc predict -m ./my_model -i input.json -o predictions.json\n" +
        "  pyfunc predict -m ./my_model -i big.csv -o predictions.json --workers 4\n" +
        "  cat rows.jsonl | pyfunc predict -m ./my_model -t jsonl\n",
    )
    .action(
      async (
        opts: Parameters<typeof runPredict>[0] & PythonEnvFlags & { reportRss?: boolean; env?: string[] },
      ) => {
        if (opts.reportRss) reportRssOnExit();
        notePythonEnvFlags(opts);
        applyEnv(opts.env);
        await runPredict(opts);
      },
    );

  program
    .command("info")
    .description(
      "Show a model's flavors, loader (and which installed package loads it), signature, input example and size.",
    )
    .argument("<model_uri>", "model directory (or file: URI)")
    .option("--json", "print the information as JSON")
    .addOption(pluginOption())
    .action(async (modelUri: string, opts: Parameters<typeof runInfo>[1]) => runInfo(modelUri, opts));

  program
    .command("validate")
    .description(
      "Check that a serving payload works with a model, as MLflow's validate_serving_input: the saved " +
        "serving_input_example.json (or --input) goes through the server's parser and predict with signature enforcement.",
    )
    .argument("<model_uri>", "model directory or URI")
    .option("-i, --input <file>", "payload file to validate instead of the saved serving input example")
    .option("-t, --content-type <type>", "json, csv or parquet (default: from the file extension, else json)")
    .option("--params <json>", "params, a JSON object (overrides the payload's params)")
    .option("-q, --quiet", "print only the predictions")
    .addOption(pluginOption())
    .action(async (modelUri: string, opts: Parameters<typeof runValidate>[1]) => runValidate(modelUri, opts));

  prefixCommanderErrors(program, "pyfunc");
  for (const command of program.commands) prefixCommanderErrors(command, `pyfunc ${command.name()}`);
  return program;
}

/** Commander's own errors (unknown command, missing -m …) in the documented `pyfunc <command>: error …` form. */
function prefixCommanderErrors(command: Command, prefix: string): void {
  command.configureOutput({
    outputError: (message, write) => write(`${prefix}: ${message}`),
  });
}

function reportRssOnExit(): void {
  process.on("exit", () => {
    const maxRssKb = process.resourceUsage().maxRSS;
    process.stderr.write(`pyfunc: peak RSS ${JSON.stringify({ maxRssKb })}\n`);
  });
}

/** Run the CLI; returns the exit code (never throws). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv as string[]);
    return EXIT_CODES.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors (already printed by commander) exit 2.
      return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }
    const command = program.args[0] && !program.args[0].startsWith("-") ? ` ${program.args[0]}` : "";
    if (error instanceof CliError) {
      if (error.quiet) return error.exitCode;
      const code = error.errorCode ? ` [${error.errorCode}]` : "";
      process.stderr.write(`pyfunc${command}: error${code}: ${error.message}\n`);
      if (process.env.PYFUNC_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`pyfunc${command}: internal error: ${stack}\n`);
    return EXIT_CODES.INTERNAL;
  }
}
