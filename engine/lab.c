/* lab.c: placeholder, being written */
