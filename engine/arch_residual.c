/* arch_residual.c: placeholder, being written */
