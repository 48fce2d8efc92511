/* arch_pix2pix.c: placeholder, being written */
