import { createProcessIo, drainOutput } from './process-io.ts';
import { main } from './main.ts';

const argv = process.argv.slice(2);
const code = await main(argv, createProcessIo(argv));
await drainOutput();
// Exit explicitly: a pipeline may leave sockets or timers open, and the run is over.
process.exit(code);
