#!/usr/bin/env node
import { main } from "./program.js";

const code = await main(process.argv);
// Flavor runtimes may keep handles open (thread pools, timers); the command is done, so leave now.
// stdout/stderr writes are synchronous for files and pipes on POSIX, and file outputs are closed already.
process.exit(code);
