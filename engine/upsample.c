/* upsample.c: placeholder, being written */
