DROP TABLE rfi_awards;
DROP TABLE quotes;
DROP TABLE rfis;
