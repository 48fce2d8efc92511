/* conv2d.c: placeholder, being written */
