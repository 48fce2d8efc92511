/* batchnorm.c: placeholder, being written */
