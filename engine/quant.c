/* quant.c: placeholder, being written */
