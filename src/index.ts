// Pulumi entry point (Pulumi.yaml `main`): the program is `main()`; the outputs it promises become the stack outputs.
import { main } from "./program";

export = main();
