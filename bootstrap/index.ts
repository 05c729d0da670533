// Pulumi entry point (bootstrap/Pulumi.yaml `main`): the program is `main()`; its return value becomes the stack outputs.
import { main } from "./program";

export = main();
