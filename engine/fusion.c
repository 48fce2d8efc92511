/* fusion.c: placeholder, being written */
