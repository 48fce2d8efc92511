/* pixel.c: placeholder, being written */
