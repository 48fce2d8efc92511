/* loss.c: placeholder, being written */
