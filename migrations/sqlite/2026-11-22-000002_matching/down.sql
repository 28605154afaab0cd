DROP TABLE shortlists;
DROP TABLE programs;
