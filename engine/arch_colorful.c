/* arch_colorful.c: placeholder, being written */
