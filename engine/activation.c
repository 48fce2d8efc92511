/* activation.c: placeholder, being written */
