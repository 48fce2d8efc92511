/* concat.c: placeholder, being written */
