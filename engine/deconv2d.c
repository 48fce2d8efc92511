/* deconv2d.c: placeholder, being written */
