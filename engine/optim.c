/* optim.c: placeholder, being written */
