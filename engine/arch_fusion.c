/* arch_fusion.c: placeholder, being written */
